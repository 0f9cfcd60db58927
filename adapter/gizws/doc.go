// Package gizws is the Gizwits realtime WebSocket API /ws/app/v1
// (shared/spec/004: the WebSocket API guide; notes/gizwits.md §6–§7 for
// what real clients expect beyond it). Unmodified Gizwits clients (the
// wechat JS SDK, GizwitsJS, pyGizwits, ha-bestway, heatzy) are the
// compatibility target.
//
// # Commands
//
// Client to server: login_req, subscribe_req, c2s_raw, c2s_read,
// c2s_write, c2s_ack, ping. Server to client: login_res, subscribe_res,
// s2c_online_status, s2c_binding_changed, s2c_raw, s2c_noti, s2c_ack, pong,
// s2c_invalid_msg. Every message is a JSON text message {"cmd", "data"};
// binary messages are read the same way.
//
// # Error codes (s2c_invalid_msg error_code)
//
//	1001  message is not a JSON object with a string cmd
//	1002  unknown cmd
//	1004  missing or invalid field (did, raw bytes, req_sn/res_sn, attrs
//	      not an object, subscribe_req data not an array); also a c2s_raw
//	      that is not a P0 frame [0,0,0,3,varLen,0,0,0x90|0x93|0x94]
//	1005  c2s_read, c2s_write or c2s_ack under p0_type "custom"
//	1006  subscription limit reached (subscribe_res failed entries)
//	1009  "M2M socket has closed, please login again!": any command but
//	      login_req and ping before a successful login (clients re-login)
//	1011  "No heartbeat!": sent right before the server closes the socket
//	9008  server error
//	9014  device not found
//	9017  device not bound (also for a did that does not exist)
//	9023  device is disabled
//	9025  attrs or names the product schema refuses
//	9042  device offline
//
// A failed login_res carries error_code (9003 appid invalid, 9004 token
// invalid or not the uid's, 9006 token expired, 1004 malformed login_req,
// 9008) and msg next to success:false. 1003 is never sent (heatzy treats
// it as "log in again"). The 9xxx codes are the Open API's (adapter/gizerr),
// which the same clients already handle. The connection stays open after
// every s2c_invalid_msg except 1011.
//
// # Decisions where the document and notes are silent
//
//   - Before login: malformed JSON and unknown commands get 1001/1002 (the
//     parser runs first); every known command but login_req and ping gets
//     1009, even if it is malformed too.
//   - Failed login: login_res success:false with msg and error_code; the
//     socket stays open for another login_req; after Limits.MaxLoginFailures
//     (5) failures it is closed (close code 1008).
//   - Repeated login_req: the session takes the last login's state; a
//     failed one logs the session out and drops its subscriptions, a
//     successful one for another user drops the previous user's.
//   - p0_type missing means attrs_v4; another value fails the login.
//   - heartbeat_interval missing, non-numeric or below 1 means 180; above
//     180 is clamped to 180 (heatzy sends 600); fractions round down.
//   - Heartbeat: any client message (valid or not) and any WebSocket ping
//     frame counts (ha-bestway pings at the protocol level); after
//     2 × heartbeat_interval of silence the server sends 1011, then closes
//     with 1008 "no heartbeat".
//   - Login deadline: Limits.LoginTimeout (60 s) from connect, or from a
//     logout by failed re-login, then close 1008 "no login". Pings do not
//     extend it.
//   - Oversize message (> Limits.MaxMessageSize, 64 KiB): close code 1009
//     (message too big), sent by coder/websocket; no s2c_invalid_msg.
//   - Slow client: Limits.QueueLen (256) queued messages, then the session
//     is dropped without a close handshake (a client that does not read
//     cannot take one), logged with reason "send queue full" and counted
//     in queue_drops_total{adapter="ws"}; a write blocked for
//     Limits.WriteTimeout (10 s) ends the session too.
//   - Shutdown (Close): close code 1001 (going away) after what is queued.
//   - subscribe_res always has both arrays; success entries have
//     error_code 0 and msg "ok"; a did listed twice is reported twice and
//     subscribed once; subscribing again is a success.
//   - After subscribe_res (and after login_res with auto_subscribe), every
//     newly subscribed device's current online status is sent as
//     s2c_online_status (online false for a device never connected).
//     subscribe_res is queued before the subscriptions exist, so no event
//     of those devices precedes it. A status equal to the last one sent
//     for the device is not repeated (the snapshot and an event that was
//     already on its way often agree).
//   - auto_subscribe sends no subscribe_res; it subscribes bound devices up
//     to the limit, and devices bound later while the session lasts.
//   - s2c_online_status carries both "online" and "is_online".
//   - s2c_binding_changed goes to every session of the user, subscribed to
//     the device or not; on unbind the subscription ends before the
//     notice is queued, so nothing of that device follows it.
//   - Devices: every did-bearing command is checked with the user's
//     binding; an unknown did is reported as not bound (9017) so that
//     existence is not revealed.
//   - Replies: a 0x0094 (or any frame) a device addresses to a client id
//     (dev2app/<did>/<clientid>) goes only to that session, and only if it
//     is subscribed to the device; broadcasts go to every subscribed
//     session. Each session's client id is "usr" + digits, unique on the
//     node, and is what its downlinks carry.
//   - attrs_v4 sessions: datapoint frames become s2c_noti (res_sn for a
//     0x0094 answering this session, req_sn for a device 0x0093, never
//     both); non-datapoint frames s2c_raw; an empty 0x0094 for this session
//     s2c_ack; an empty 0x0094 addressed to nobody is dropped.
//   - custom sessions: every device frame (reports, replies, acks) is
//     s2c_raw; c2s_read, c2s_write and c2s_ack are refused with 1005,
//     c2s_raw is allowed under both p0 types.
//   - s2c_ack carries res_sn and did at the top level (as the document
//     shows) and again inside data.
//   - req_sn/res_sn are read from the top level (document) or from data;
//     they must be integers from 0 to 2^32-1 (the P0 sn is 4 bytes).
//   - There is no reply to a successful c2s_write, c2s_read, c2s_raw or
//     c2s_ack; failures are s2c_invalid_msg with the did.
//   - Origins: Options.AllowedOrigins ("*" admits any); requests without
//     Origin and same-host pages are always admitted; others get 403.
//
// # Concurrency
//
// One bus subscription per event kind for the whole node (data, status,
// user bindings), dispatched through an in-memory index (hub.go) to the
// sessions concerned. Each session has a reader (a goroutine of its own,
// started by the HTTP handler, which returns; each command is handled in
// order on a short goroutine, internal/freshstack) and a writer draining its
// bounded queue, run only while something is queued (wssession.Start, the
// skeleton shared with the relay); the dispatcher only ever does
// non-blocking sends. An idle session holds one goroutine. Each subscribed
// (did, session) is recorded in core.Presence, so a device's cli2ser_req
// 0x020F counts the sessions watching it.
package gizws
