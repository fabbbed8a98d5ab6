export const NODE_EXTERNALS: string[];
export function buildWebview(): Promise<void>;
