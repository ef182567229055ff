/** Runs paychan-admin in-process, collecting what it prints. */
import { runAdmin } from '../../../src/server/admin/commands.ts';

export async function admin(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdmin(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}
