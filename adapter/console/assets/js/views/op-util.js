// Helpers shared by the operator tabs.

// poll runs fn now and every ms until stopped; the returned function stops.
export function poll(fn, ms) {
  fn();
  const t = setInterval(fn, ms);
  return () => clearInterval(t);
}

// missing tells an endpoint this server does not have (a JSON 404 from the
// admin catch-all), so a tab can say "not available" instead of failing.
export function missing(e) {
  return e.status === 404 && e.code === 'not_found';
}
