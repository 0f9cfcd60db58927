// HTTP clients for the two APIs the console uses: the Gizwits app API
// (/app/..., as any Gizwits app calls it) and the admin API (/admin/v1).
// Both throw ApiError with the server's code and message on failure.

import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code; // Gizwits error_code (number) or admin error code (string)
  }
}

async function call(method, path, headers, body) {
  const init = { method, headers: { ...headers }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'server unreachable: ' + e.message);
  }
  if (resp.status === 204) return {};
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = null;
  }
  if (!resp.ok) {
    if (data && typeof data.error_code === 'number') {
      const detail = data.detail_message ? ': ' + data.detail_message : '';
      throw new ApiError(resp.status, data.error_code, `${data.error_message}${detail} (${data.error_code})`);
    }
    if (data && data.error && data.error.code) {
      throw new ApiError(resp.status, data.error.code, data.error.message);
    }
    throw new ApiError(resp.status, 'http', `HTTP ${resp.status}`);
  }
  return data || {};
}

// Gizwits app API. appid is explicit for login and sign-up; the other calls
// take it and the token from the session.
export const giz = {
  login(appid, username, password) {
    return call('POST', '/app/login', { 'X-Gizwits-Application-Id': appid }, { username, password });
  },
  signUp(appid, username, password) {
    return call('POST', '/app/users', { 'X-Gizwits-Application-Id': appid }, { username, password });
  },
  bindings() {
    return userCall('GET', '/app/bindings?limit=100&skip=0');
  },
  bind(did, passcode) {
    return userCall('POST', '/app/bindings', { devices: [{ did, passcode }] });
  },
  unbind(did) {
    return userCall('DELETE', '/app/bindings', { devices: [{ did }] });
  },
  device(did) {
    return userCall('GET', '/app/devices/' + encodeURIComponent(did));
  },
  latest(did) {
    return userCall('GET', `/app/devdata/${encodeURIComponent(did)}/latest`);
  },
  datapoints(productKey) {
    const u = session.user();
    return call('GET', '/app/datapoint?product_key=' + encodeURIComponent(productKey),
      { 'X-Gizwits-Application-Id': u ? u.appid : '' });
  },
};

function userCall(method, path, body) {
  const u = session.user();
  if (!u) return Promise.reject(new ApiError(0, 'logged_out', 'not logged in'));
  return call(method, path, { 'X-Gizwits-Application-Id': u.appid, 'X-Gizwits-User-token': u.token }, body);
}

// Admin API: every call carries the operator's bearer token.
export function admin(method, path, body) {
  return call(method, '/admin/v1' + path, { Authorization: 'Bearer ' + session.adminToken() }, body);
}

// tokenExpired tells whether an app API error means "log in again".
export function tokenExpired(err) {
  return err instanceof ApiError && (err.code === 9004 || err.code === 9006);
}
