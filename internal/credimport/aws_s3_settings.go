package credimport

import (
	"bufio"
	"errors"
	"os"
	"strings"

	"github.com/tether-ml/tether"
)

// readS3Settings returns the s3 settings of a profile's section in the
// AWS config file, the nested block the AWS CLI reads:
//
//	[profile dev]
//	s3 =
//	    addressing_style = path
//	    signature_version = s3v4
//
// The AWS SDK for Go parses such blocks but does not expose them for a
// profile, so they are read here; only this block is. A missing file has
// no settings.
func readS3Settings(path, profile string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", path, pathError(err))
	}
	defer f.Close()
	out := map[string]string{}
	var inProfile, inS3 bool
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
		case trimmed[0] == '[':
			inProfile, inS3 = isProfileSection(trimmed, profile), false
		case !inProfile:
		case line[0] != ' ' && line[0] != '\t':
			key, value, _ := strings.Cut(trimmed, "=")
			inS3 = strings.TrimSpace(key) == "s3" && strings.TrimSpace(value) == ""
		case inS3:
			key, value, _ := strings.Cut(trimmed, "=")
			out[strings.TrimSpace(key)] = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, tether.Errorf(tether.EINVALID, "cannot read %s: %v", path, err)
	}
	return out, nil
}

// isProfileSection reports whether a section header of the config file is
// the profile's: "[profile NAME]", or "[default]" for the default profile.
func isProfileSection(header, profile string) bool {
	name := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(header, "["), "]"))
	switch {
	case len(name) == 2 && name[0] == "profile":
		return name[1] == profile
	case len(name) == 1:
		return profile == "default" && name[0] == "default"
	}
	return false
}
