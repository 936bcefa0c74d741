"""app/service"""
