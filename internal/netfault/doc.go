// Package netfault holds the network fault tests of issue 13: descriptor
// floods, silent and trickling connections, clients that stop reading and
// malformed input at volume, all against real listeners (and, where the
// process must hit its real open-files limit, the real binary). It has no
// code of its own; docs/reliability.md ("Floods and slow clients")
// describes what each test proves.
package netfault
