package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
)

// busyTimeoutMS bounds how long a connection waits for a lock held by another
// process (a backup tool, a second hub by mistake) before SQLITE_BUSY.
const busyTimeoutMS = 10_000

// role selects the per-pool differences of the connection string.
type role int

const (
	roleWrite   role = iota // the single writer: foreign keys on, BEGIN IMMEDIATE
	roleRead                // the read pool: query_only guards against stray writes
	roleMigrate             // migrations: foreign keys off, checked explicitly before commit
)

// dsn builds a modernc.org/sqlite connection string for path. The pragmas go
// in the DSN rather than being executed once after sql.Open because database/sql
// opens connections lazily and reopens them at will: only the DSN is applied to
// every one of them.
//
// The path is turned into a file: URI with '%', '?' and '#' escaped, so that a
// '?' in a directory name is not mistaken for the start of the parameters.
func dsn(path string, r role) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: resolve %q: %w", path, err)
	}
	uri := filepath.ToSlash(abs)
	if !strings.HasPrefix(uri, "/") { // Windows: C:/x -> /C:/x
		uri = "/" + uri
	}
	uri = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(uri)

	fk := "1"
	if r == roleMigrate {
		fk = "0"
	}
	params := []string{
		// busy_timeout first: switching to WAL may itself have to wait for a lock.
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(" + fk + ")",
	}
	switch r {
	case roleWrite:
		params = append(params, "_txlock=immediate")
	case roleRead:
		params = append(params, "_pragma=query_only(1)")
	}
	return "file:" + uri + "?" + strings.Join(params, "&"), nil
}
