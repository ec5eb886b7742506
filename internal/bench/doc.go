// Package bench measures a Tether server the way its users load it: a
// fixed number of concurrent clients over loopback for a fixed time per
// operation, with the latency distribution, the error count and the
// server process's CPU time and peak memory, side by side with the floor:
// a bare net/http handler answering a body of the same size under the
// same load generator.
package bench
