"""tingke core: settings, signing and the command line shared by every plane."""
