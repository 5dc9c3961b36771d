// Placeholder: filled in by the op family's implementation.
func registerPoolOps(into r: OpRegistry) {}
