/** The fuzz test's child process: see fuzzInChild in ./fuzz.ts. */
import { fuzzChildMain } from './fuzz';

void fuzzChildMain(process.argv[2]);
