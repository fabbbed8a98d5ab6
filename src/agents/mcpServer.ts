import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { APP_VERSION } from '../shared/version';
import {
  inspectTool,
  parseTool,
  recognizeTool,
  targetsTool,
  toolErrorText,
  type AgentContext,
  type ToolAnswer,
} from './tools';
import { TOOL_DESCRIPTIONS } from './descriptions';

/**
 * A Model Context Protocol server exposing MedImageParse's four tools (parse, recognize, targets,
 * inspect). The endpoint and its key come from how the server was started, never from a tool
 * argument; files are read only under its roots. Failures come back as tool errors.
 */
export function createMcpServer(ctx: AgentContext): McpServer {
  const server = new McpServer({ name: 'medimageparse', version: APP_VERSION });

  const answer = async (run: () => Promise<ToolAnswer> | ToolAnswer): Promise<CallToolResult> => {
    try {
      const result = await run();
      const content: CallToolResult['content'] = [{ type: 'text', text: result.text }];
      if (result.image) {
        content.push({ type: 'image', data: result.image.png.toString('base64'), mimeType: 'image/png' });
      }
      return { content, structuredContent: result.data };
    } catch (error) {
      return { isError: true, content: [{ type: 'text', text: toolErrorText(error) }] };
    }
  };

  const slice = z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Slice of a volume (NIfTI: index along the third axis; default: the middle one).');
  const frame = z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Frame of a multi-frame DICOM or time point of a 4D NIfTI (default 0).');

  server.registerTool(
    'parse',
    {
      title: 'Segment targets in a medical image',
      description: TOOL_DESCRIPTIONS.parse,
      inputSchema: {
        image: z
          .string()
          .describe('Path of the image, relative to the workspace root or absolute inside it.'),
        targets: z
          .array(z.string())
          .min(1)
          .describe('What to segment, one entry per target, e.g. ["liver", "right kidney"].'),
        modalityKey: z
          .string()
          .optional()
          .describe(
            'Modality key for the validity check (CT-Abdomen, X-Ray-Chest, Pathology, …); default: from the image.',
          ),
        slice,
        frame,
      },
    },
    (args) => answer(() => parseTool(args, ctx)),
  );

  server.registerTool(
    'recognize',
    {
      title: 'Find every known object in a medical image',
      description: TOOL_DESCRIPTIONS.recognize,
      inputSchema: {
        image: z
          .string()
          .describe('Path of the image, relative to the workspace root or absolute inside it.'),
        modalityKey: z
          .string()
          .describe(
            'Modality key: CT-Abdomen, CT-Chest, MRI-Abdomen, MRI-Cardiac, MRI-FLAIR-Brain, MRI-T1-Gd-Brain, Pathology, X-Ray-Chest, Ultrasound-Cardiac, Endoscopy, Fundus, Dermoscopy or OCT.',
          ),
        slice,
        frame,
      },
    },
    (args) => answer(() => recognizeTool(args, ctx)),
  );

  server.registerTool(
    'targets',
    {
      title: 'List the recommended targets',
      description: TOOL_DESCRIPTIONS.targets,
      inputSchema: {
        modality: z
          .string()
          .optional()
          .describe(
            'CT, MRI, X-Ray, pathology, ultrasound, endoscope, dermoscopy, fundus or OCT; default: all.',
          ),
        site: z
          .string()
          .optional()
          .describe('Anatomic site within the modality, e.g. abdomen, chest, brain.'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) => answer(() => targetsTool(args)),
  );

  server.registerTool(
    'inspect',
    {
      title: 'Describe a medical image file',
      description: TOOL_DESCRIPTIONS.inspect,
      inputSchema: {
        image: z
          .string()
          .describe(
            'Path of an image file or a DICOM series folder, relative to the workspace root or absolute inside it.',
          ),
      },
      annotations: { readOnlyHint: true },
    },
    (args) => answer(() => inspectTool(args, ctx)),
  );

  return server;
}
