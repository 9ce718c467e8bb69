/**
 * Serves the fake tools: each call of bin/fake-tool (as kubectl, helm, istioctl or curl) arrives here over a local
 * socket, is answered by the fake cluster of the current install run, and gets its exit code back with the paths of
 * two files holding its stdout and stderr.
 */
import * as fs from 'node:fs';
import { createServer, Server } from 'node:net';
import * as path from 'node:path';
import { ToolAnswer, ToolCall } from './world';

export type ToolHandler = (call: ToolCall) => ToolAnswer;

export interface ToolServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a server that hands each call to `handler`; answers are written below `scratch`. */
export async function serveTools(handler: ToolHandler, scratch: string): Promise<ToolServer> {
  let answers = 0;
  const server: Server = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const fields = buffer.toString('utf8').split('\0');
      if (fields.length < 6) return;
      const count = Number(fields[4]);
      if (fields.length < 6 + count) return;
      const [tool, cwd, stdinFile, block] = fields;
      const call: ToolCall = {
        tool, cwd, block: Number(block), args: fields.slice(5, 5 + count), stdin: stdinFile ? fs.readFileSync(stdinFile, 'utf8') : undefined,
      };
      let answer: ToolAnswer;
      try {
        answer = handler(call);
      } catch (error) {
        answer = { code: 99, stdout: '', stderr: `fake ${tool}: ${(error as Error).stack ?? error}\n` };
      }
      const out = path.join(scratch, `answer-${++answers}.out`);
      const err = path.join(scratch, `answer-${answers}.err`);
      fs.writeFileSync(out, answer.stdout);
      fs.writeFileSync(err, answer.stderr ?? '');
      socket.end(`${answer.code}\n${out}\n${err}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
