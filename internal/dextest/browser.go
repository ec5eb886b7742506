package dextest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Page is where a browser ended up.
type Page struct {
	URL    string
	Status int
	Body   string
}

var (
	formRE  = regexp.MustCompile(`(?is)<form[^>]*\bmethod="post"[^>]*\baction="([^"]*)"`)
	inputRE = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attrRE  = regexp.MustCompile(`(?is)\b(name|value)="([^"]*)"`)
)

// Login does what a person at a browser does with a login URL of the
// server (a device verification page, an authorization URL): it opens it
// and submits each form the server shows — the user code already filled
// in, the login form with u's email and password — following redirects,
// including the last one to a client's loopback listener. It returns the
// page without a form where that ends.
func Login(ctx context.Context, startURL string, u User) (*Page, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: requestTimeout}
	page, err := visit(ctx, hc, http.MethodGet, startURL, nil)
	for tries := 0; err == nil; tries++ {
		m := formRE.FindStringSubmatch(page.Body)
		if m == nil {
			return page, nil
		}
		if tries == 4 {
			return page, fmt.Errorf("still a form after %d submissions (wrong password?) at %s", tries, page.URL)
		}
		action, err2 := url.Parse(page.URL)
		if err2 != nil {
			return nil, err2
		}
		action, err2 = action.Parse(html.UnescapeString(m[1]))
		if err2 != nil {
			return nil, err2
		}
		page, err = visit(ctx, hc, http.MethodPost, action.String(), fill(page.Body, u))
	}
	return nil, err
}

// fill returns the values of the page's inputs, with the login form's
// filled in for u.
func fill(body string, u User) url.Values {
	v := url.Values{}
	for _, input := range inputRE.FindAllString(body, -1) {
		var name, value string
		for _, a := range attrRE.FindAllStringSubmatch(input, -1) {
			if strings.EqualFold(a[1], "name") {
				name = html.UnescapeString(a[2])
			} else {
				value = html.UnescapeString(a[2])
			}
		}
		switch name {
		case "":
			continue
		case "login":
			value = u.Email
		case "password":
			value = u.Password
		}
		v.Set(name, value)
	}
	return v
}

// visit makes one request (following redirects) and reads the page.
func visit(ctx context.Context, hc *http.Client, method, target string, form url.Values) (*Page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Page{URL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(raw)}, nil
}
