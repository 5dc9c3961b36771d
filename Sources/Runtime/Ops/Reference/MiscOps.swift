// Placeholder: filled in by the op family's implementation.
func registerMiscOps(into r: OpRegistry) {}
