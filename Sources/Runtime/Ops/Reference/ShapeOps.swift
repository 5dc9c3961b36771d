// Placeholder: filled in by the op family's implementation.
func registerShapeOps(into r: OpRegistry) {}
