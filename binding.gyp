{
  "targets": [
    {
      "target_name": "krozen",
      "sources": ["native/addon.cc", "native/mask.cc", "native/mask_kernels.cc", "native/json.cc", "native/utf8.cc", "native/socket_write.cc", "native/socket_peer.cc", "native/ws_accept.cc", "native/http_head.cc", "native/http_head_kernels.cc"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
