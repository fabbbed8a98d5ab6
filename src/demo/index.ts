export {
  startDemoServer,
  DEMO_HEADER,
  DEMO_HEADER_VALUE,
  MATCH_THRESHOLD,
  type DemoServer,
  type DemoServerOptions,
} from './server';
