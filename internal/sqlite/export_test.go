package sqlite

// SetWALResetFrames sets the WAL size at which the writer checkpoints, read
// by every checkpoint from then on, and returns a function restoring the
// default.
func SetWALResetFrames(n int) (restore func()) {
	old := walResetFrames
	walResetFrames = n
	return func() { walResetFrames = old }
}
