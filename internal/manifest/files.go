package manifest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tether-ml/tether"
)

// Stdin is the file name that stands for standard input.
const Stdin = "-"

// extensions are the files a directory contributes, as with kubectl -f.
var extensions = []string{".yaml", ".yml", ".json"}

// Files expands the names given to -f, as kubectl does: a file stands for
// itself, a directory for its *.yaml, *.yml and *.json files (not its
// subdirectories), in name order, and "-" for standard input, once. No name
// is dropped: a directory without such files, a missing name and a name
// given twice are errors.
func Files(names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		if name == Stdin {
			if slices.Contains(out, Stdin) {
				return nil, tether.Errorf(tether.EINVALID, "-f - (stdin) can be given once")
			}
			out = append(out, Stdin)
			continue
		}
		files, err := expand(name)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if slices.Contains(out, f) {
				return nil, tether.Errorf(tether.EINVALID, "%s is given twice", f)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// expand returns name, or the manifest files of the directory name.
func expand(name string) ([]string, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", name, pathError(err))
	}
	if !fi.IsDir() {
		return []string{filepath.Clean(name)}, nil
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read directory %s: %v", name, pathError(err))
	}
	var files []string
	for _, e := range entries {
		p := filepath.Join(name, e.Name())
		if !slices.Contains(extensions, strings.ToLower(filepath.Ext(e.Name()))) {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() { // a link counts as its target
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		return nil, tether.Errorf(tether.EINVALID, "directory %s holds no .yaml, .yml or .json file", name)
	}
	return files, nil
}

func pathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
