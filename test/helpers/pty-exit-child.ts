// Child process for test/printer-pty.test.ts: opens a pty pair and exits without closing it.
import { createPtyPair } from '../../hardware-sim/printer/pty.ts';

const pair = await createPtyPair();
if (!pair.ok) {
  process.stderr.write(`no pty: ${pair.error.detail}\n`);
  process.exit(2);
}
process.stdout.write(`${pair.value.hostPath}\n`);
process.exit(3);
