package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// failServe runs `switchboard serve` on dataDir and expects it to refuse to
// start: exit code 1 and exactly one line on stderr, which it returns.
func failServe(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("serve exited with %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	line := stderr.String()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") || !strings.HasPrefix(line, "switchboard: ") {
		t.Fatalf("stderr is not one line starting with \"switchboard: \":\n%s", line)
	}
	if strings.Contains(line, "panic") || strings.Contains(line, "goroutine") {
		t.Fatalf("stderr shows a crash: %s", line)
	}
	return strings.TrimSpace(line)
}

// serveCmd is `switchboard serve` on dataDir and random local ports; it is
// killed if it has not exited after 30 s (a start that should have failed).
func serveCmd(t *testing.T, dataDir string, extra ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	args := append([]string{"serve", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0",
		"--https-addr", "127.0.0.1:0", "--mqtts-addr", "127.0.0.1:0"}, extra...)
	return exec.CommandContext(ctx, binary(t), args...)
}

func TestCorruptDatabaseIsOneLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "switchboard.db")
	garbage := bytes.Repeat([]byte("not a database, just garbage\x00\xff"), 1024)
	if err := os.WriteFile(db, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	line := failServe(t, serveCmd(t, dir))
	want := "switchboard: database " + db + ": not a SQLite database or damaged"
	if !strings.HasPrefix(line, want) || !strings.Contains(line, "restore it from a backup") {
		t.Fatalf("stderr %q, want it to start with %q and suggest a backup", line, want)
	}
	if b, err := os.ReadFile(db); err != nil || !bytes.Equal(b, garbage) {
		t.Fatalf("the failed start changed the database file (%v)", err)
	}
}

func TestDatabaseIsADirectoryIsOneLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "switchboard.db")
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatal(err)
	}
	line := failServe(t, serveCmd(t, dir))
	if want := "switchboard: database " + db + ": is a directory"; line != want {
		t.Fatalf("stderr %q, want %q", line, want)
	}
}

func TestDataDirIsAFileIsOneLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	line := failServe(t, serveCmd(t, file))
	if want := "switchboard: --data-dir " + file + ": not a directory"; line != want {
		t.Fatalf("stderr %q, want %q", line, want)
	}
}

// TestReadOnlyDataDir runs serve as an unprivileged user: root ignores
// file modes, so when the tests run as root the binary runs as uid/gid
// 65534 (nobody) over a data dir that user owns.
func TestReadOnlyDataDir(t *testing.T) {
	// prepared is a data dir a clean run has populated (database, lock,
	// admin token), handed to the user serve will run as.
	prepared := func(t *testing.T) string {
		dir := t.TempDir()
		startServeIn(t, dir, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0").terminate(t)
		return dir
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T) string // returns the data dir
		dirMode os.FileMode
		dbMode  os.FileMode // 0: leave it
		want    func(dir string) *regexp.Regexp
	}{
		{"empty dir read-only", func(t *testing.T) string { return t.TempDir() }, 0o555, 0,
			func(dir string) *regexp.Regexp {
				return regexp.MustCompile("^switchboard: --data-dir " + regexp.QuoteMeta(dir) + ": lock file: permission denied$")
			}},
		{"database file read-only", prepared, 0o700, 0o400,
			func(dir string) *regexp.Regexp {
				return regexp.MustCompile("^switchboard: database " + regexp.QuoteMeta(filepath.Join(dir, "switchboard.db")) + ": permission denied$")
			}},
		{"populated dir read-only", prepared, 0o555, 0,
			func(dir string) *regexp.Regexp {
				return regexp.MustCompile("^switchboard: database " + regexp.QuoteMeta(filepath.Join(dir, "switchboard.db")) +
					`: cannot write it or create files next to it \(.*readonly database.*\)$`)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.prepare(t)
			cmd := serveCmd(t, dir)
			asUnprivileged(t, cmd, dir)
			if c.dbMode != 0 {
				chmod(t, filepath.Join(dir, "switchboard.db"), c.dbMode)
			}
			chmod(t, dir, c.dirMode)
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) }) // so that TempDir can remove it
			line := failServe(t, cmd)
			if re := c.want(dir); !re.MatchString(line) {
				t.Fatalf("stderr %q, want it to match %s", line, re)
			}
		})
	}
}

// asUnprivileged makes cmd run as nobody when the test runs as root, and
// gives that user the data dir and a way to reach it and the binary.
func asUnprivileged(t *testing.T, cmd *exec.Cmd, dataDir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	const nobody = 65534
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	// The binary's and the data dir's parents are 0700 temp dirs.
	chmod(t, filepath.Dir(cmd.Path), 0o755)
	chmod(t, filepath.Dir(dataDir), 0o755)
	err := filepath.Walk(dataDir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestSecondServerOnDataDirRefused: two nodes on one database would both
// push to partners and both own device presence, so the second one refuses
// while the first keeps serving; a node killed with SIGKILL leaves no stale
// lock behind.
func TestSecondServerOnDataDirRefused(t *testing.T) {
	first := startServe(t, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0")
	// Even on the first node's own HTTP port the data dir is what the
	// second is told about: that is the mistake to fix.
	line := failServe(t, serveCmd(t, first.dataDir, "--http-addr", strings.TrimPrefix(first.httpURL, "http://")))
	want := fmt.Sprintf("switchboard: --data-dir %s: in use by another switchboard serve (pid %d)", first.dataDir, first.cmd.Process.Pid)
	if line != want {
		t.Fatalf("second serve said %q, want %q", line, want)
	}
	if first.cmd.ProcessState != nil {
		t.Fatalf("the first node exited: %v", first.cmd.ProcessState)
	}
	if code, body := getBody(t, first.httpURL+"/readyz"); code != 200 {
		t.Fatalf("first node /readyz = %d %q after the refused start", code, body)
	}
	first.run(t, "admin", "apps", "create", "still the only node")

	if err := first.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	again := startServeIn(t, first.dataDir, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0")
	again.waitStdout(t, "SHA-256")
	if strings.Contains(again.stdout.String(), "Generated an admin token") {
		t.Fatal("the node after SIGKILL did not reuse the data dir")
	}
	if out := again.run(t, "admin", "apps", "list"); !strings.Contains(out, "still the only node") {
		t.Fatalf("the node after SIGKILL does not see the first node's app:\n%s", out)
	}
}
