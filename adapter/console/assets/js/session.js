// Where the console keeps credentials. Tokens live in sessionStorage only:
// they end with the tab, are never written to localStorage, cookies or the
// URL, and are sent only in request headers and the socket's login_req.
// The application id is not a secret, so the last one used is remembered
// in localStorage to save typing.

const USER = 'switchboard.user';
const ADMIN = 'switchboard.admin';
const APPID = 'switchboard.appid';

function read(store, key) {
  try {
    const v = store.getItem(key);
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

// user: {appid, uid, token, expire_at, username} or null.
export function user() {
  return read(sessionStorage, USER);
}

export function setUser(u) {
  sessionStorage.setItem(USER, JSON.stringify(u));
  localStorage.setItem(APPID, JSON.stringify(u.appid));
}

export function clearUser() {
  sessionStorage.removeItem(USER);
}

export function lastAppID() {
  return read(localStorage, APPID) || '';
}

// adminToken: the operator's bearer token, or ''.
export function adminToken() {
  return read(sessionStorage, ADMIN) || '';
}

export function setAdminToken(t) {
  sessionStorage.setItem(ADMIN, JSON.stringify(t));
}

export function clearAdminToken() {
  sessionStorage.removeItem(ADMIN);
}
