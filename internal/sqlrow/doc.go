// Package sqlrow maps the rows of the stores' tables to domain values and
// back, for both stores: the column lists, the functions that scan a row
// into a tether value and bind a value to a statement, and the loops that
// read a result set. Each store keeps its own SQL and driver; what differs
// between the drivers is said by a Times codec (how a time column is
// stored) and by the small Rows interface both drivers' result sets meet.
package sqlrow
