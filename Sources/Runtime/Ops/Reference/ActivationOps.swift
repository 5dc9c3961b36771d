// Placeholder: filled in by the op family's implementation.
func registerActivationOps(into r: OpRegistry) {}
