#!/usr/bin/env node
/** paychan: the command-line wallet (see src/cli/run.ts). */
import { createInterface } from 'node:readline';
import { runPaychan } from './run.ts';

/** Reads one line from the terminal; hidden input echoes nothing. */
function prompt(question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const write = (rl as unknown as { _writeToOutput(s: string): void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput(s: string): void })._writeToOutput = (s: string) => write(s.startsWith(question) ? question : '');
  }
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    }),
  );
}

process.exitCode = await runPaychan(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  ...(process.stdin.isTTY ? { prompt } : {}),
});
