package http

import (
	"bufio"
	"fmt"
	"net/http"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/backup"
)

// MaxRestoreBytes bounds the body of a restore.
const MaxRestoreBytes = 16 << 30

// backupStore streams a consistent, still sealed copy of the whole store.
// A failure after the first byte aborts the connection: the client then
// holds a backup without its trailer, which restore refuses.
func (s *Server) backupStore(w http.ResponseWriter, r *http.Request) {
	started := false
	err := s.backups.Backup(r.Context(), func(d *tether.Dump) error {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="tether.backup"`)
		w.Header().Set("X-Tether-Record-Count", fmt.Sprint(d.RecordCount))
		w.WriteHeader(http.StatusOK)
		started = true
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := backup.Write(bw, d, nil); err != nil {
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

// restoreResult is the answer of a restore.
type restoreResult struct {
	Message string `json:"message"`
	Records int    `json:"records"`
}

// restoreStore reads a backup from the body and writes it, all or nothing,
// into a store that holds no connection.
func (s *Server) restoreStore(w http.ResponseWriter, r *http.Request) {
	n := 0
	open := func() (*tether.Dump, error) {
		d, err := backup.Read(http.MaxBytesReader(w, r.Body, MaxRestoreBytes))
		if err != nil {
			return nil, err
		}
		counted := *d
		counted.Records = func(yield func(*tether.Record, error) bool) {
			for rec, err := range d.Records {
				if err == nil {
					n++
				}
				if !yield(rec, err) {
					return
				}
			}
		}
		return &counted, nil
	}
	if err := s.backups.Restore(r.Context(), open); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, restoreResult{Message: fmt.Sprintf("restored %d connections", n), Records: n})
}
