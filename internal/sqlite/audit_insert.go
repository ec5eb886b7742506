package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"github.com/tether-ml/tether/internal/sqlrow"
)

// maxAuditRows is the most events one INSERT carries. The audit writer's
// groups are as large as the requests waiting together, a few dozen at
// most; 64 rows of 9 parameters stay far below SQLite's limit of 32,766.
const maxAuditRows = 64

// auditInsertColumns is the number of values each audit row binds.
const auditInsertColumns = 9

// auditInserts holds the multi-row audit INSERTs, prepared on the writer
// pool on first use, one per row count.
type auditInserts struct {
	pool  *sql.DB
	mu    sync.Mutex
	stmts map[int]*sql.Stmt
}

func newAuditInserts(pool *sql.DB) *auditInserts {
	return &auditInserts{pool: pool, stmts: map[int]*sql.Stmt{}}
}

// get returns the INSERT of rows rows (1 to maxAuditRows).
func (a *auditInserts) get(ctx context.Context, rows int) (*sql.Stmt, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.stmts[rows]; ok {
		return s, nil
	}
	s, err := a.pool.PrepareContext(ctx, auditInsertSQL(rows))
	if err != nil {
		return nil, err
	}
	a.stmts[rows] = s
	return s, nil
}

// close closes every prepared INSERT.
func (a *auditInserts) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var first error
	for n, s := range a.stmts {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
		delete(a.stmts, n)
	}
	return first
}

// auditInsertSQL is an INSERT of rows audit events.
func auditInsertSQL(rows int) string {
	row := "(?" + strings.Repeat(", ?", auditInsertColumns-1) + ")"
	return `INSERT INTO audit_events (` + sqlrow.AuditInsertColumns + `)
		VALUES ` + row + strings.Repeat(", "+row, rows-1)
}
