"""The publisher: approved articles out to the public feeds and, later, the website and social."""
