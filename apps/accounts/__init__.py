"""Users, their Cognito identity and roles, profiles and avatars."""
