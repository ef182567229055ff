#!/usr/bin/env node
/** paychan-admin: the operator's view of a Paychan server's channels (see src/server/admin/commands.ts). */
import { runAdmin } from '../admin/commands.ts';

process.exitCode = await runAdmin(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
