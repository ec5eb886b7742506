package credimport

import (
	"errors"
	"os"
	"strings"

	"github.com/tether-ml/tether"
)

// awsSharedFile is an AWS shared file (credentials or config), parsed as the
// AWS tools read it: "[section]" headers, "key = value" settings, and nested
// blocks, a key without a value followed by indented settings:
//
//	[profile dev]
//	region = us-east-1
//	s3 =
//	    addressing_style = path
//
// A nested setting is keyed by both names, "s3.addressing_style". Keys are
// case-insensitive and kept in lower case; lines starting with # or ; are
// comments. Settings of a section that appears twice are merged, the later
// value winning.
type awsSharedFile map[string]map[string]string

// readAWSSharedFile parses the file at path. A missing file is empty. A
// malformed line is an EINVALID error that names the line, not its content,
// which might hold a key.
func readAWSSharedFile(path string) (awsSharedFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return awsSharedFile{}, nil
	}
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", path, pathError(err))
	}
	f := awsSharedFile{}
	var section map[string]string
	var block string // the nested block indented lines belong to, if any
	for n, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
		case trimmed[0] == '[':
			if !strings.HasSuffix(trimmed, "]") {
				return nil, tether.Errorf(tether.EINVALID, "%s, line %d: a section header must end with ]", path, n+1)
			}
			name := strings.Join(strings.Fields(trimmed[1:len(trimmed)-1]), " ")
			if f[name] == nil {
				f[name] = map[string]string{}
			}
			section, block = f[name], ""
		case section == nil:
			return nil, tether.Errorf(tether.EINVALID, "%s, line %d: a setting before the first [section]", path, n+1)
		default:
			key, value, ok := strings.Cut(trimmed, "=")
			if !ok {
				return nil, tether.Errorf(tether.EINVALID, "%s, line %d: expected key = value", path, n+1)
			}
			key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
			indented := line[0] == ' ' || line[0] == '\t'
			switch {
			case indented && block != "":
				section[block+"."+key] = value
			case value == "":
				block = key
			default:
				section[key], block = value, ""
			}
		}
	}
	return f, nil
}

// configProfile returns the settings of profile in a config file:
// "[profile NAME]", and for the default profile also "[default]".
func (f awsSharedFile) configProfile(profile string) (map[string]string, bool) {
	s, ok := f["profile "+profile]
	if !ok && profile == "default" {
		s, ok = f["default"]
	}
	return s, ok
}
