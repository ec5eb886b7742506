package conntype

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"

	"golang.org/x/crypto/ssh"
)

// The git probe reads what `git ls-remote` reads: the ref advertisement
// git-upload-pack sends first, a series of pkt-lines (four hex digits of
// length, then the line) ended by a flush packet, "0000".

// maxRefs bounds the refs a probe reads: a server that never ends its
// advertisement is cut off.
const maxRefs = 1 << 20

// lsRemote runs git-upload-pack on path and counts the refs it advertises
// up to the first flush packet.
func lsRemote(client *ssh.Client, path string) (int, error) {
	session, err := client.NewSession()
	if err != nil {
		return 0, err
	}
	defer func() { _ = session.Close() }()
	out, err := session.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := session.Start("git-upload-pack " + ShellQuote(path)); err != nil {
		return 0, err
	}
	n, err := countRefs(bufio.NewReader(out))
	if errors.Is(err, io.EOF) {
		// The command ended before advertising: its exit status says why.
		if werr := session.Wait(); werr != nil {
			return 0, werr
		}
	}
	return n, err
}

// countRefs reads pkt-lines up to a flush packet ("0000") and counts the
// refs among them (an empty repository advertises "capabilities^{}").
func countRefs(r *bufio.Reader) (int, error) {
	var head [4]byte
	n := 0
	for n < maxRefs {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return n, err
		}
		size, err := strconv.ParseUint(string(head[:]), 16, 16)
		switch {
		case err != nil || (size > 0 && size < 4):
			return n, errors.New("not a git pkt-line")
		case size == 0:
			return n, nil
		}
		line := make([]byte, size-4)
		if _, err := io.ReadFull(r, line); err != nil {
			return n, err
		}
		if !bytes.Contains(line, []byte(" capabilities^{}")) {
			n++
		}
	}
	return n, errors.New("too many refs")
}
