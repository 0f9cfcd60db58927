// Package aqarasign computes and checks the two MD5 signatures of the Aqara
// open platform (v3 intent API): the one a client puts on every request to
// /v3.0/open/api, and the one Aqara puts on an HTTP message push.
//
// # Request signature
//
// A request carries the headers Appid, Keyid, Nonce, Time, Sign and, when
// the caller holds one, Accesstoken. The Sign header is [RequestSign]:
//
//	md5(lower("Accesstoken=<token>&Appid=<appid>&Keyid=<keyid>&Nonce=<nonce>&Time=<time>" + appKey))
//
// as 32 lower-case hex digits. The header names are in ASCII order, the
// appKey (the secret that Keyid names) follows the last value with no
// separator, and the whole string, secret included, is lower-cased before
// hashing. With no access token the "Accesstoken=<token>&" part is left out.
// The official rule page was not readable; this is what six independent
// clients do (research notes §1.3).
//
// # Push signature
//
// When signing is switched on in the Aqara console, an HTTP message push
// carries the headers time, nonce, appkey and sign, and on the general push
// channel also token (the App SDK push has none). The sign header is
// [PushSign]:
//
//	md5(lower("appkey=<appkey>&nonce=<nonce>&time=<time>&token=<token>" + appSecret))
//
// following the template string of the general push page (its prose lists
// the fields as token, appkey, nonce, time, but its template is in ASCII
// order with token last). Without a token the "&token=<token>" part is left
// out, which is the App SDK form: that page's template and worked example
// are appkey, nonce, time only. Here appkey is a public key id and appSecret the
// secret; this is the opposite of the request side, where appKey is the
// secret and Keyid the id.
//
// # Verification
//
// [VerifyRequest] and [VerifyPush] check, in this order, that the required
// headers are present, that the nonce is 5–64 ASCII letters or digits, that
// the time is a decimal count of milliseconds, that the signature matches
// (in constant time, either hex case), and last that the time lies within the
// freshness window of now. Because the signature is checked before the time,
// [ErrStale] means an authentic request from a client with a skewed clock or
// a replay, and [ErrBadSign] means the sender does not hold the key.
//
// Neither function detects a replayed nonce: that needs state shared across
// requests. A caller that keeps a replay cache must key it on the
// lower-cased nonce (and Appid), because the signature lower-cases
// everything: "AbC12" and "abc12" produce the same Sign, so an attacker can
// replay a captured request under a case variant of its nonce. The cache
// needs to hold a nonce only for twice the window, since anything older is
// rejected as stale.
//
// Everything is lower-cased with [strings.ToLower]. Ids, keys, nonces and
// times are ASCII in practice; for non-ASCII values clients in other
// languages may lower-case differently, so such a value may not verify.
package aqarasign
