import { test } from 'vitest';
import { mkdtemp, chmod, readdir, readFile } from 'node:fs/promises';
import { createLocalEngine } from '../src/engines/local/local-engine.js';
import { stopPostmaster, readPostmasterPid } from '../src/engines/local/stop-postmaster.js';
test('kill path', async () => {
  const e = createLocalEngine();
  const wd = await mkdtemp('/tmp/pgdrill-wd-'); await chmod(wd, 0o711);
  const s: any = await e.start({ workDir: wd });
  const pid = (await readPostmasterPid(s.dataDir))!;
  process.kill(pid, 'SIGSTOP');
  const t = Date.now();
  await s.stop();
  const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => 'gone');
  console.log('stopped in', Date.now() - t, 'ms; state', st.slice(0, 40), await readdir(wd));
}, 200_000);
