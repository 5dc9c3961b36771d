// Placeholder: filled in by the op family's implementation.
func registerResizePadOps(into r: OpRegistry) {}
