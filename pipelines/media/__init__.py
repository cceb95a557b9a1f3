"""The shared media engine: speech, music, scene timelines, subtitles and ffmpeg rendering.

The story video is its first user; the 3D video and the study animation are next.
"""
