// Package securitytest holds the security suite: an authorization matrix
// over every HTTP route, /ws/app/v1 command, Aqara intent and relay frame
// type of a real node, each refused under every credential case that
// applies to it (docs/security.md). The matrix is generated from the
// adapters' own tables (gizapp.Routes, admin.Routes, devhttp.Routes,
// console.Routes, gizws.Commands, aqara.Intents, interconnect.FrameTypes),
// so an entry without an authorization row fails the suite.
//
// The package has no code of its own; everything is in its tests.
package securitytest
