"""Environments (开发环境 / 测试环境 ...): other Tongguan instances an app release is deployed to,
and the deployments made to them (deploy, activate, roll back)."""
