package gizws

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"

	"github.com/switchboard-iot/switchboard/internal/wssession"
)

// A session's read and write buffers. coder/websocket keeps the buffers of
// the hijacked connection for the session's life, and net/http's are 4 KiB
// each: 8 KiB of an idle session's memory. App API messages are a few
// hundred bytes; a larger one is read or written through the buffer in
// more than one system call, never refused for its size (MaxMessageSize
// is the limit).
const (
	readBufferSize  = 512
	writeBufferSize = 1024
)

// smallBuffers hands coder/websocket the hijacked connection with buffers
// of the sizes above instead of net/http's, writing through a CorkConn
// (kept in cork) so the session's writer can send a burst at once.
type smallBuffers struct {
	http.ResponseWriter
	cork *wssession.CorkConn
}

func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	// Bytes the client sent after its upgrade request (its first frames)
	// may already be in net/http's buffer: they go into the new buffer,
	// where coder/websocket looks for them (it then reads conn directly).
	br := bufio.NewReaderSize(conn, readBufferSize)
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(b), conn), max(n, readBufferSize))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	// The library closes the connection it is given: the CorkConn, so
	// that a close frame written while corked still goes out.
	w.cork = wssession.NewCorkConn(conn)
	return w.cork, bufio.NewReadWriter(br, bufio.NewWriterSize(w.cork, writeBufferSize)), nil
}
