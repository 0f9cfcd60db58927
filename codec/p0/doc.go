// Package p0 encodes and decodes the Gizwits "P0" envelope that carries
// datapoint payloads between devices, the cloud and apps (MQTT topics
// app2dev/dev2app, the WebSocket c2s_raw/s2c_raw arrays, the LAN TCP port).
//
// A frame on the wire is
//
//	00 00 00 03 | varLen (1–4 B) | flag (1 B) | cmd (2 B, big-endian) | [sn (4 B, big-endian)] | payload
//
// where varLen counts every byte after itself and uses MQTT's
// remaining-length coding, and sn is present only for commands 0x0093 and
// 0x0094 (see [HasSN]). The payload is opaque here; package
// codec/datapoint interprets it.
//
// The server channel (topics cli2ser_req / ser2cli_res) uses a different,
// shorter framing without varLen or flag; see [ServerMessage].
//
// Decoding is strict in one respect worth knowing: varLen must use the
// minimal number of bytes, so that every frame [Decode] accepts is
// reproduced byte for byte by [Append]. All encoders in the field (GAgent,
// the MCU SDKs, the JavaScript SDKs) produce minimal lengths.
//
// Nothing in this package allocates on the decode path; payloads alias the
// input.
package p0
