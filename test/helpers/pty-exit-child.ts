// Child process for test/printer-pty.test.ts: opens a pty pair, prints its path and then either
// exits without closing it ("exit") or waits to be killed ("wait").
import { createPtyPair } from '../../hardware-sim/printer/pty.ts';

const pair = await createPtyPair();
if (!pair.ok) {
  process.stderr.write(`no pty: ${pair.error.detail}\n`);
  process.exit(2);
}
process.stdout.write(`${pair.value.hostPath}\n`);
if (process.argv[2] === 'wait') setInterval(() => undefined, 1000);
else process.exit(3);
