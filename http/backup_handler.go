package http

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
)

// MaxRestoreBytes bounds the body of a restore.
const MaxRestoreBytes = 16 << 30

// backupStore streams a consistent, still sealed copy of the whole store,
// with its audit log when ?audit=true. A failure after the first byte
// aborts the connection: the client then holds a backup without its
// trailer, which restore refuses.
func (s *Server) backupStore(w http.ResponseWriter, r *http.Request) {
	audit, err := boolQuery(r, "audit")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	started := false
	err = s.backups.Backup(r.Context(), func(d *tether.Dump) error {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="tether.backup"`)
		w.Header().Set("X-Tether-Record-Count", fmt.Sprint(d.RecordCount))
		w.WriteHeader(http.StatusOK)
		started = true
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := backup.Write(bw, d, backup.Options{Audit: audit}); err != nil {
			return err
		}
		return bw.Flush()
	})
	switch {
	case err != nil && !started:
		writeError(w, r, s.log, err)
	case err != nil:
		s.log.ErrorContext(r.Context(), "backup failed", "request_id", requestID(r.Context()), "err", err.Error())
		panic(http.ErrAbortHandler)
	}
}

// restoreStore reads a backup from the body and writes it, all or nothing,
// into a store that holds no connection.
func (s *Server) restoreStore(w http.ResponseWriter, r *http.Request) {
	var res tether.RestoreResult
	open := func() (*tether.Dump, error) {
		d, err := backup.Read(http.MaxBytesReader(w, r.Body, MaxRestoreBytes))
		if err != nil {
			return nil, err
		}
		res = tether.RestoreResult{Namespaces: len(d.Namespaces), RoleBindings: len(d.RoleBindings), Tokens: len(d.Tokens), Omitted: d.Omitted}
		counted := *d
		counted.Records = counting(d.Records, &res.Records)
		if d.Audit != nil {
			counted.Audit = counting(d.Audit, &res.AuditEvents)
		}
		return &counted, nil
	}
	if err := s.backups.Restore(r.Context(), open); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	res.Message = restoreMessage(res)
	writeJSON(w, http.StatusOK, res)
}

// counting passes seq through, counting what it yields without error.
func counting[T any](seq func(func(T, error) bool), n *int) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			if err == nil {
				*n++
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// restoreMessage says what a restore wrote, and what an older backup
// could not hold.
func restoreMessage(res tether.RestoreResult) string {
	msg := "restored " + strings.Join([]string{count(res.Records, "connection"), count(res.Namespaces, "namespace"),
		count(res.RoleBindings, "role binding"), count(res.Tokens, "token")}, ", ")
	if res.AuditEvents > 0 {
		msg += ", " + count(res.AuditEvents, "audit event")
	}
	if len(res.Omitted) > 0 {
		msg += fmt.Sprintf("; the backup is of an older format, without %s: the namespaces of its connections were created,"+
			" grant access again with \"tether rolebinding create\"", strings.Join(res.Omitted, " or "))
	}
	return msg
}

// count says n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
