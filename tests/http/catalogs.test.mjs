// The interface catalogs of the participant's languages (issue 17): 简体中文,
// 繁體中文 and 한국어 cover every text of every participant page (the keys
// its templates use, every participant-facing error, reward kind, lottery
// field, date format), with the same {placeholders} as the Japanese; the
// console falls back to English. Like the ja/en check of test_i18n.c.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const load = (l) => JSON.parse(fs.readFileSync(path.join(root, 'assets/i18n', `${l}.json`), 'utf8'));
const ja = load('ja');
const PAGES = ['head', 'foot', 'rally', 'card', 'spot', 'qr', 'result', 'complete', 'certificate', 'reward', 'lottery', 'recover',
  'error', 'state', 'joinform', 'problem', 'gpshelp', 'status', 'home', 'rotating', 'line_error'];
// Errors only the console, the operator or an API client sees.
const NOT_PARTICIPANT = new Set(['error.json_type', 'error.login_required', 'error.method_required', 'error.qr_token_required',
  'error.second_factor_required', 'error.tenant_suspended']);
const placeholders = (s) => [...s.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort();

function participantKeys() {
  const keys = new Set();
  for (const p of PAGES) {
    const t = fs.readFileSync(path.join(root, 'assets/templates', `${p}.html`), 'utf8');
    for (const m of t.matchAll(/\{\{t:([a-z0-9_.]+)\}\}/g)) keys.add(m[1]);
  }
  const prefixes = ['error.', 'fmt.', 'state.', 'how.', 'method.', 'lottery.field.', 'lottery.age.', 'lottery.err.', 'result.ready_',
    'announce.kind.', 'gps.', 'map.', 'spot.gps_'];
  for (const k of Object.keys(ja)) if (prefixes.some((p) => k.startsWith(p)) && !NOT_PARTICIPANT.has(k)) keys.add(k);
  for (const k of ['tier.coupon', 'tier.first_come', 'tier.lottery', 'lottery.closed', 'card.progress', 'card.mail_bad',
    'card.mail_limit', 'mail.subject.recovery', 'mail.recovery', 'mail.automatic']) keys.add(k);
  return [...keys].filter((k) => k in ja).sort();
}

for (const lang of ['zh-Hans', 'zh-Hant', 'ko']) {
  test(`${lang} covers every participant text, with the Japanese placeholders`, () => {
    const c = load(lang);
    const wanted = participantKeys();
    assert.ok(wanted.length > 200, `${wanted.length} keys`);
    assert.deepEqual(wanted.filter((k) => !(k in c)), [], `${lang}.json lacks these`);
    for (const [k, v] of Object.entries(c)) {
      assert.ok(k in ja, `${lang}.json has ${k}, which ja.json does not`);
      assert.deepEqual(placeholders(v), placeholders(ja[k]), `${lang} ${k}: placeholders`);
    }
    assert.ok(!Object.entries(c).some(([k, v]) => k !== 'certificate.honorific' && v === ''), 'no empty texts');
  });
}

test('Simplified and Traditional Chinese and Korean have the same keys, and each names itself', () => {
  const [s, t, k] = ['zh-Hans', 'zh-Hant', 'ko'].map(load);
  assert.deepEqual(Object.keys(t).sort(), Object.keys(s).sort());
  assert.deepEqual(Object.keys(k).sort(), Object.keys(s).sort());
  assert.deepEqual([s['lang.self'], t['lang.self'], k['lang.self']], ['简体中文', '繁體中文', '한국어']);
  assert.doesNotMatch(Object.values(t).join(''), /[们这为说还后门钟图码设]/, 'no Simplified characters in the Traditional catalog');
});
