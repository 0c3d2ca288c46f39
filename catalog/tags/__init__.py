"""Tags, masking, grants and feedback (标签管理)."""
