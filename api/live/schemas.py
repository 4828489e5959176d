"""What the live endpoints return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PublishGrant(BaseModel):
    whip_url: str = Field(description="POST the SDP offer here (WHIP) with Authorization: Bearer <token>")
    token: str = Field(description="Short-lived relay token for this lesson's room and role")
    mode: str = Field(description="broadcast or dual")
    role: str = Field(description="publisher (broadcast) or classroom (dual)")
    label: str = Field(description="The publisher's label in the room (a dual lesson's classroom)")
    master: bool = Field(description="Whether this is the master classroom (主讲端; always true for a broadcast): "
                                     "the crowd's live HLS shows the master, and its stop button ends the lesson")
    room: str
    relay_url: str = Field(description="The relay's base URL (room status, WHEP for a dual classroom)")
    whep_url: str = Field(description="Where a dual classroom receives the other classrooms")
    ice_servers: list[dict[str, Any]]
    expires_in: int = Field(description="Seconds the token stays valid")


class WatchGrant(BaseModel):
    whep_url: str = Field(description="POST a receive-only SDP offer here (WHEP)")
    hls_url: str = Field(description="Signed, expiring URL of the live HLS master playlist (also the replay)")
    hls_audio_url: str = Field(description="Signed URL of the audio-only rendition (for very weak connections)")
    token: str
    room: str
    mode: str
    relay_url: str
    ice_servers: list[dict[str, Any]]
    status: str = Field(description="The lesson's status: scheduled, live, processing, ...")
    hls_ready: bool = Field(description="Whether the live HLS has started (or a replay exists)")
    hls_ended: bool = Field(description="Whether the live HLS is complete (ENDLIST): it plays as a replay")
    expires_in: int


class LiveAudience(BaseModel):
    hls_viewers: int = Field(description="Viewers who fetched a live HLS playlist within the last 20 s")


class ResumeWindow(BaseModel):
    resumable: bool = Field(description="Whether this user may resume the finished lesson now")
    seconds_left: int = Field(description="Seconds left in the resume window (0: it cannot be resumed)")
    minutes_left: int = Field(description="seconds_left rounded up to whole minutes (what the button says)")
    status: str
