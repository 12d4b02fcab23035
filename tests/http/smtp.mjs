// An SMTP server for the tests: Debian's python3-aiosmtpd (tests/tools/smtpsink.py)
// on a loopback port, keeping each message it receives in a directory; and
// the messages read back, their subject and base64 body decoded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ROOT } from './helpers.mjs';

/** A sink on a free port: {port, start(), stop(), mails(), to(addr)}; start() again
 * after stop() takes the same port and directory (a relay that was down). */
export async function smtpSink() {
  const box = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stamprally-mail-')), 'box');
  const port = await freePort();
  let proc;
  const sink = {
    port,
    async start() {
      proc = spawn('/usr/bin/python3', [path.join(ROOT, 'tests/tools/smtpsink.py'), String(port), box], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc.exited = new Promise((r) => proc.on('exit', r));
      await new Promise((resolve, reject) => {
        proc.stdout.on('data', (d) => { if (/ready/.test(d.toString())) resolve(); });
        proc.on('exit', (code) => reject(new Error(`smtpsink exited ${code}`)));
      });
    },
    async stop() { proc.kill('SIGTERM'); await proc.exited; },
    /** Every message received: {to, raw, headers, subject, body}. */
    mails() {
      if (!fs.existsSync(box)) return [];
      return fs.readdirSync(box).filter((f) => f.endsWith('.eml')).sort().map((f) => {
        const raw = fs.readFileSync(path.join(box, f), 'utf8');
        const env = JSON.parse(fs.readFileSync(path.join(box, f.replace('.eml', '.json')), 'utf8'));
        const [head, ...rest] = raw.split(/\r?\n\r?\n/);
        const headers = {};
        for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        }
        const subject = headers.subject.replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/g, (_, b) => Buffer.from(b, 'base64').toString('latin1'));
        return { to: env.rcpt_tos, raw, headers, subject: Buffer.from(subject, 'latin1').toString('utf8'),
          body: Buffer.from(rest.join('\n').replace(/\s+/g, ''), 'base64').toString('utf8') };
      });
    },
    /** The messages to addr. */
    to(addr) { return sink.mails().filter((m) => m.to.includes(addr)); },
  };
  await sink.start();
  return sink;
}
