// Package market defines the vocabulary every other marketd package speaks:
// instruments, trading dates, exact decimal prices, daily bars and corporate
// actions. It depends on nothing but the standard library, so sources, the
// collector, the stores and the validator can all share it without depending
// on each other.
package market
