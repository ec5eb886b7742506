package delivery

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/tether-ml/tether"
)

// Write writes files (paths relative to dir, '/'-separated) into dir,
// which must exist: directories are created 0700 and files 0600, and an
// existing file is never overwritten. A path that leaves dir is refused.
// On error some files may be written: the caller removes dir.
func Write(dir string, files map[string][]byte) error {
	for name, data := range files {
		rel := filepath.FromSlash(name)
		if !filepath.IsLocal(rel) {
			return tether.Errorf(tether.EINTERNAL, "file %q of a rendering leaves its directory", name)
		}
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return writeError(err)
		}
		if err := writeNew(path, data); err != nil {
			return writeError(err)
		}
	}
	return nil
}

// writeNew creates path with mode 0600 and writes data to it.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeError names the failing path, never the data.
func writeError(err error) error {
	return &tether.Error{Code: tether.EINTERNAL, Op: "delivery.Write",
		Message: "cannot write the connections' files: " + strings.TrimSpace(err.Error()), Err: err}
}
