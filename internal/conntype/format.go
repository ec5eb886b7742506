package conntype

import (
	"encoding/base64"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/tether-ml/tether"
)

// Format rules shared by several types. The compiled patterns are read-only.

var (
	// awsRegionPattern matches AWS region names: eu-central-1,
	// us-gov-west-1, cn-north-1, us-isob-east-1.
	awsRegionPattern = tether.NewPattern(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	// repoComponentPattern matches one path component of an image
	// repository (the distribution reference grammar).
	repoComponentPattern = tether.NewPattern(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)
)

// isBase64 reports whether v decodes with the standard, padded alphabet
// (Odahu's rule). Like Go's decoder, it ignores embedded CR and LF, so the
// output of base64 without -w0 is accepted.
func isBase64(v string) bool {
	_, err := base64.StdEncoding.DecodeString(v)
	return err == nil
}

// decoded returns the decoded value of a base64 field, and false if it is
// empty, masked or not base64: the generic checks report those, so the
// types' own rules skip them.
func decoded(v string) ([]byte, bool) {
	if v == "" {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, false
	}
	return b, true
}

// msgDecodedControl is the problem of a base64 credential whose decoded text
// holds a control character: almost always the newline "echo" appends.
const msgDecodedControl = `must not decode to text with control characters ` +
	`(a trailing newline? encode with "echo -n VALUE | base64")`

// checkDecodedText reports a base64 credential (an access key, a password,
// a token) whose decoded value holds a control character. Values that are
// empty, masked or not base64 are left to the generic checks.
func checkDecodedText(path, v string, p *tether.Problems) {
	if b, ok := decoded(v); ok && hasControl(string(b)) {
		p.Add(path, msgDecodedControl)
	}
}

// hasControl reports whether s holds a control character (including
// newlines), which would break the env files and configs rendered from it.
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// clean reports whether v passes the generic checks of plain-text values
// (no control characters, no surrounding spaces). The types' own rules skip
// values that do not, so that one mistake is reported once.
func clean(v string) bool {
	return !hasControl(v) && strings.TrimSpace(v) == v
}

// isToken reports whether s is a short plain name ([A-Za-z0-9_.-], at most
// limit bytes), safe to quote in a message.
func isToken(s string, limit int) bool {
	if s == "" || len(s) > limit {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '.' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// urlProblem returns why s is not an absolute http(s) URL with a host, or
// "". URLs are not secret, so credentials embedded in one are refused.
func urlProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		return "must be an absolute http(s) URL with a host"
	case u.User != nil:
		return "must not embed credentials (user:password@): it is not secret"
	}
	return ""
}

// validHostPort reports whether s is host or host:port, where host is a DNS
// name, an IPv4 address or a bracketed IPv6 address.
func validHostPort(s string) bool {
	host := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.HasSuffix(s, "]") {
		if !validPort(s[i+1:]) {
			return false
		}
		host = s[:i]
	}
	return validHost(host)
}

// validHost reports whether h is a DNS name, an IPv4 address or a bracketed
// IPv6 address.
func validHost(h string) bool {
	if inner, ok := strings.CutPrefix(h, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		return ok && strings.Contains(inner, ":") && net.ParseIP(inner) != nil
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.To4() != nil
	}
	return validDNSName(h)
}

// validDNSName reports whether h is a DNS name: dot-separated labels of
// letters, digits and '-', not starting or ending with '-'.
func validDNSName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if r != '-' && !('a' <= r && r <= 'z') && !('A' <= r && r <= 'Z') && !('0' <= r && r <= '9') {
				return false
			}
		}
	}
	return true
}

// validPort reports whether s is a TCP port number, 1 to 65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && s[0] != '+' && s[0] != '-'
}

// validRepoPath reports whether path is an image repository path such as
// "org/image": '/'-separated components of the distribution grammar. One
// trailing '/' is tolerated (Odahu's docker example has one).
func validRepoPath(path string) bool {
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return false
	}
	for _, c := range strings.Split(path, "/") {
		if !repoComponentPattern.MatchString(c) {
			return false
		}
	}
	return true
}

// isIPv4 reports whether s looks like a dotted IPv4 address, which bucket
// names must not.
func isIPv4(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() != nil
}
