"""Lessons kept on a phone for playback without a network: the offline list page and the service worker."""
