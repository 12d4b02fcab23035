// double.mjs — a LINE Login v2.1 test double on loopback: the authorization,
// token, verify, profile and revoke endpoints as LINE documents them, with
// switches that make it misbehave. Used by the HTTP and browser tests only.
import crypto from 'node:crypto';
import http from 'node:http';

const b64u = (b) => Buffer.from(b).toString('base64url');

/** Start the double. Returns {base, mode, user, log, stop()}. */
export async function startLineDouble({ channelId, secret }) {
  const codes = new Map();
  const tokens = new Map();
  const state = {
    mode: 'ok', // see MODES
    user: { sub: 'U4af4980629aaaaaaaaaaaaaaaaaaaaaa', name: 'LINE 太郎', picture: 'https://profile.line-scdn.net/x' },
    authorizeRequests: [], tokenRequests: [], revoked: [],
    held: [], // resolvers of token requests held in 'held_500' mode
    release() { for (const r = this.held.splice(0); r.length;) r.shift()(); },
  };

  function idToken(nonce) {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'https://access.line.me', sub: state.user.sub, aud: channelId, exp: now + 3600, iat: now,
      nonce, amr: ['linesso'], name: state.user.name, picture: state.user.picture };
    let header = { typ: 'JWT', alg: 'HS256' };
    let key = secret;
    switch (state.mode) {
      case 'wrong_signature': key = `${secret}-not`; break;
      case 'wrong_iss': claims.iss = 'https://evil.example'; break;
      case 'wrong_aud': claims.aud = '1234567890'; break;
      case 'expired': claims.exp = now - 120; claims.iat = now - 3720; break;
      case 'iat_future': claims.iat = now + 300; break;
      case 'nonce_mismatch': claims.nonce = 'another-nonce'; break;
      case 'no_name': delete claims.name; break;
      case 'alg_none': header = { typ: 'JWT', alg: 'none' }; break;
      case 'es256': header = { typ: 'JWT', alg: 'ES256', kid: 'x' }; break;
      default: break;
    }
    const signing = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    if (header.alg === 'none') return `${signing}.`;
    if (header.alg === 'ES256') return `${signing}.${b64u(crypto.randomBytes(64))}`;
    return `${signing}.${b64u(crypto.createHmac('sha256', key).update(signing).digest())}`;
  }

  function form(req) {
    return new Promise((resolve) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
    });
  }
  const json = (res, status, obj) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };

  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && u.pathname === '/oauth2/v2.1/authorize') {
      const q = Object.fromEntries(u.searchParams);
      state.authorizeRequests.push(q);
      const ok = q.response_type === 'code' && q.client_id === channelId && q.redirect_uri && q.state && q.nonce &&
        q.scope?.split(' ').includes('openid') && q.code_challenge && q.code_challenge_method === 'S256';
      if (!ok) return json(res, 400, { error: 'invalid_request' });
      const back = new URL(q.redirect_uri);
      if (state.mode === 'user_cancel' || state.mode === 'user_cancel_line') {
        // LINE's documents spell it ACCESS_DENIED; OAuth 2.0 access_denied.
        back.searchParams.set('error', state.mode === 'user_cancel_line' ? 'ACCESS_DENIED' : 'access_denied');
        back.searchParams.set('error_description', 'The user has denied the approval');
        back.searchParams.set('state', q.state);
      } else {
        const code = b64u(crypto.randomBytes(15));
        codes.set(code, { nonce: q.nonce, challenge: q.code_challenge, redirect: q.redirect_uri });
        back.searchParams.set('code', code);
        back.searchParams.set('state', state.mode === 'state_mismatch' ? 'not-the-state-we-sent' : q.state);
      }
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (req.method === 'POST' && u.pathname === '/oauth2/v2.1/token') {
      const f = await form(req);
      state.tokenRequests.push(f);
      if (state.mode === 'slow') await new Promise((r) => setTimeout(r, 3000));
      // 'held_500': hold the answer until the test calls release(), then fail.
      if (state.mode === 'held_500') {
        await new Promise((r) => { state.held.push(r); });
        return json(res, 500, { error: 'server_error' });
      }
      if (state.mode === 'token_500') return json(res, 500, { error: 'server_error' });
      const c = codes.get(f.code);
      codes.delete(f.code);
      const challenge = f.code_verifier && b64u(crypto.createHash('sha256').update(f.code_verifier).digest());
      if (state.mode === 'token_400' || !c || f.grant_type !== 'authorization_code' || f.client_id !== channelId ||
          f.client_secret !== secret || f.redirect_uri !== c.redirect || challenge !== c.challenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'invalid code' });
      }
      const access = b64u(crypto.randomBytes(24));
      tokens.set(access, state.user);
      return json(res, 200, { access_token: access, expires_in: 2592000, id_token: idToken(c.nonce),
        refresh_token: b64u(crypto.randomBytes(15)), scope: 'openid profile', token_type: 'Bearer' });
    }
    if (req.method === 'POST' && u.pathname === '/oauth2/v2.1/verify') {
      const f = await form(req);
      const [h, p, s] = (f.id_token || '').split('.');
      const good = s === b64u(crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest());
      return good ? json(res, 200, JSON.parse(Buffer.from(p, 'base64url'))) : json(res, 400, { error: 'invalid_request' });
    }
    if (req.method === 'GET' && u.pathname === '/v2/profile') {
      const user = tokens.get((req.headers.authorization || '').replace(/^Bearer /, ''));
      return user ? json(res, 200, { userId: user.sub, displayName: user.name, pictureUrl: user.picture })
        : json(res, 401, { message: 'invalid token' });
    }
    if (req.method === 'POST' && u.pathname === '/oauth2/v2.1/revoke') {
      const f = await form(req);
      if (f.client_id !== channelId || f.client_secret !== secret) return json(res, 400, { error: 'invalid_client' });
      state.revoked.push(f.access_token);
      tokens.delete(f.access_token);
      res.writeHead(200);
      return res.end();
    }
    return json(res, 404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  state.base = `http://127.0.0.1:${server.address().port}`;
  state.stop = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return state;
}

export const MODES = ['wrong_signature', 'wrong_iss', 'wrong_aud', 'expired', 'iat_future', 'nonce_mismatch', 'alg_none',
  'es256', 'no_name', 'token_400', 'token_500', 'slow', 'user_cancel', 'user_cancel_line', 'state_mismatch'];
