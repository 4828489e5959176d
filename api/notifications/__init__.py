"""In-app notifications: any domain calls ``service.notify``; people read them at /api/notifications."""
